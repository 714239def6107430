"""socialroi."""
