"""fpconsole: a terminal console for the Freedom Pay Card API.

Kept empty on purpose: `import fpconsole` must stay cheap, because the CLI and the TUI's
first frame both pay for everything imported here.
"""

# The only place the version is written: pyproject.toml reads it ([tool.setuptools.dynamic]),
# `fpconsole --version` prints it.
__version__ = "0.1.0"
