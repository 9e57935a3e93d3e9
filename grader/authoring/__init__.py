"""Authoring tools for instructors: templates from references, validation of assignments."""
