"""Sample-quality metrics for trained GANs: SWD, FID (with local weights), Parzen, and the
checkerboard-artefact score of translators (`artefacts`)."""
