"""media-check: verify the media of an app-marketplace listing before a person looks at it."""

__version__ = "0.1.0"
