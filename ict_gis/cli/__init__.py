"""The ``ict-gis`` command line: thin wrappers over the library."""
