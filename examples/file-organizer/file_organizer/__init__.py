"""Sort the files of a folder into category sub-folders."""

__all__ = ["__version__"]
__version__ = "1.0.0"
