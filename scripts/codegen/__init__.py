"""Code generation pipeline: vendor spec -> resolved spec -> generated client package."""
