"""An index as plain files: build one, its layout on disk, save, publish atomically, load back."""
