/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncsock-trace's view of the kernel: the few types syncsock_trace.bpf.c
 * reads, declared here so that the tracer builds without any kernel's BTF
 * (bpftool btf dump) at hand.
 *
 * The structures hold only the members the program reads, under their
 * kernel names, and are marked preserve_access_index: clang records each
 * access as a CO-RE relocation (type and member name), and libbpf resolves
 * it against the running kernel's BTF when the program loads.  The layout
 * here is never used as such, so it need not match any kernel; a member the
 * running kernel lacks fails the load with its name.  Members that sit in
 * anonymous unions or structs in the kernel (skc_daddr, skc_num...) are
 * declared flat: libbpf looks through anonymous members when it matches a
 * name.
 *
 * What is not CO-RE: struct pt_regs (the kprobe context, accessed directly;
 * its x86-64 layout is the kernel's ABI), the map types and update flags
 * (enum bpf_map_type and BPF_ANY..., uapi values), and the types of the
 * helper declarations.  Only x86-64 is built.
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u16 __le16;
typedef __u32 __le32;
typedef __u64 __le64;
typedef __u32 __wsum;
typedef _Bool bool;
enum {
	false = 0,
	true = 1,
};

/* uapi/linux/bpf.h: the values the program names. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

/* x86-64's pt_regs, the kprobe context (PT_REGS_PARM1() reads di). */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be16 u6_addr16[8];
		__be32 u6_addr32[4];
	} in6_u;
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	unsigned long skc_flags;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	void (*sk_data_ready)(struct sock *sk);
};

struct tcp_sock {
	__u32 rcv_nxt;
	__u32 copied_seq;
};

/* Passed around as a pointer only. */
struct task_struct {
	int pid;
};

#pragma clang attribute pop

/* Its values are the running kernel's (bpf_core_enum_value()). */
enum sock_flags {
	SOCK_DEAD,
	SOCK_DONE,
};

#endif /* __VMLINUX_H__ */
