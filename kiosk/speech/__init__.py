"""Reading the kiosk's words aloud in Mandarin (no Kivy here).

``words`` turns what a screen shows into what is said (numbers, times, codes);
``clips`` finds the audio shipped for fixed prompts (tools/build_speech.py);
``voice`` synthesises the rest with Kokoro-82M, only ever inside the worker
process of ``worker``, so the kiosk's own memory and start-up stay as they are.
"""
