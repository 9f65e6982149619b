"""fpconsole: a terminal console for the Freedom Pay Card API.

Kept empty on purpose: `import fpconsole` must stay cheap, because the CLI and the TUI's
first frame both pay for everything imported here.
"""

__version__ = "0.1.0"
