"""Counterfoil: payable e-forms for UK councils.

Packages, in the one direction their imports point: web -> workflows -> platform -> forms -> rules.
"""

__version__ = "0.1.0"
