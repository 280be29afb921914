"""Consultant uploads: safe file reading, coded validation, plan revisions and approval.

``contract`` holds the types the three stages share: reading (``reading``) turns a file
into role layers, validation (``validation``) turns layers into a coded report, and the
revision workflow (``zones.services.revisions``) stores, diffs and approves them.
"""
