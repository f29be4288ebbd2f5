"""pledgegraph: linked data from UN Human Rights Council candidature pledges."""

__version__ = "0.1.0"
