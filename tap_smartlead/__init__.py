"""tap-smartlead: a Singer tap for Smartlead.ai."""

# The one place the version is written: pyproject.toml reads it (hatch), and the SDK reports
# the installed distribution's version in --about.
__version__ = "0.1.0"
