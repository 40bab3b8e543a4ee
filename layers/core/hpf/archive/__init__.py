"""The electronic archive (电子档案, seed 7.5.x): write-once storage, metadata, the solidification log, lifecycle."""
