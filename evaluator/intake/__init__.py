"""Submission intake: fetch a source and copy it into a sanitised workspace."""
