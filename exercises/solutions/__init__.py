"""Reference solutions, one module per lesson (``lessonNN.py``).

Each solution is one self-contained function named like its exercise; it may use the
module's top-level imports (``python -m exercises solve`` copies those into the notebook
together with the function) but no other helpers of this package.
"""
