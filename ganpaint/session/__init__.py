"""The app's state without Qt (napari's components): tools, results, the chosen
models, and the jobs that only compose `ganpaint.edit` calls."""
