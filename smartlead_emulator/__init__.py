"""A deterministic Smartlead API emulator (read side) for integration tests and benchmarks."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
