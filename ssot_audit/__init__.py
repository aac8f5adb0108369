"""ssot-audit: prove a homelab's sources of truth agree with each other and with its hosts."""

__version__ = "0.1.0"
