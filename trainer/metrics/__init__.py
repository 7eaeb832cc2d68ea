"""Sample-quality metrics for trained GANs: SWD, FID (with local weights) and Parzen."""
