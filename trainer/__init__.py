"""Headless trainer for every model ganpaint uses (`ganpaint-train`)."""
