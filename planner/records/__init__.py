"""The council's records in and out as CSV and Excel files: templates, import, export."""
