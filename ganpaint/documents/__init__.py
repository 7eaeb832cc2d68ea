"""The open document as plain numpy state and its files: OpenRaster, recovery. No Qt."""
