"""Runner for the W3C and W3C-CCG conformance suites in ../shared/conformance."""
