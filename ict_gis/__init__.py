"""ict_gis: telecom infrastructure GIS for provincial ICT departments.

Read layers of BTS stations, 2G switch-offs, 5G sites and cable routes, check
them, and compute coverage and progress per administrative unit.
"""

__version__ = "0.1.0"
