"""The console (Textual). Only this package imports Textual."""
