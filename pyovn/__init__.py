"""pyovn: network virtualization in Python."""

__version__ = "0.1.0"
