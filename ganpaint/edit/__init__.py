"""Edits as plain functions on arrays and tensors: no Qt, no files."""
