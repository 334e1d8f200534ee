"""pix2fact: an agentic evaluation harness for Pix2Fact-style tasks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pix2fact")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
