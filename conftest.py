# The suite's plugin (ssot_audit.plugin) is registered through its pytest11
# entry point, so it is loaded before any conftest. The self-tests drive whole
# pytest runs of the suite with pytester.
pytest_plugins = ["pytester"]
