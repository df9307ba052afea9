"""Video perception (视频感知): a camera's frames → object detection → tracking → zone rules → alarms.

Modules: camera (CAMERA.yaml), frames (reading and sampling; live streams reopened when they drop), detector
(torchvision models, local weights), tracker (IoU / ByteTrack-style ids), zones (bottom-centre in polygon),
rules (inertia, dwell, one alarm per stay), alarms (records and sinks), snapshot (evidence JPEG), pipeline (the
loop), cli (`video` command).
"""
