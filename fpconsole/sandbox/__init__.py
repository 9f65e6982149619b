"""The sandbox: a stateful offline emulator of the Card API, built from the same registry."""
