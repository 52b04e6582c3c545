# SPDX-License-Identifier: MIT
import os
import sys

# tests/integration/coretest.py holds the shared helpers
sys.path.insert(0, os.path.dirname(__file__))
