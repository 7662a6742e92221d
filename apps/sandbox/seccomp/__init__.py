"""The seccomp filter bubblewrap installs in front of the learner's program, built in pure Python
(no libseccomp).

    rules.py     the policy per architecture and the program built from it (program_bytes())
    syscalls.py  the system call numbers the policy names, allowed and denied
    bpf.py       classic BPF: opcodes, instruction builders, packing
"""
