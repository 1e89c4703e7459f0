"""kith-journal: a sample kith plugin (a reader for jrnl-style journals and the kind "journal")."""
