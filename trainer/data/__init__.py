"""Training data for ganpaint-train: image folders, photo crops, paired data sets, the
procedural landscapes as a torch Dataset (rendered by `ganpaint.landscapes`), and the
resumable batch stream."""
