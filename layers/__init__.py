"""The bundled Nam Định layer set (installed as the package ``ict_gis.layers``).

Boundaries and the unit list are real; the network layers are modelled by
:mod:`ict_gis.layers.generate` so that their province totals equal the 2024
provincial report. See ``README.md`` in this folder.
"""
