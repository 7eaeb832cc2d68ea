"""The open document as plain numpy state, its files (OpenRaster, recovery) and how its
layers look on screen (`display`). No Qt."""
