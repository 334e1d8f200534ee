"""Protocol-faithful fake model servers on 127.0.0.1, for testing the real SDKs offline.

Test modules import them as `from fakes.base import FakeServer, Reply` (pytest puts `tests/`
on `sys.path` because `tests/` has no `__init__.py`).
"""
