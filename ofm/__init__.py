"""Odoo Finance Middleware."""
