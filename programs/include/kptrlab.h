/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kptrlab.h — shared header for every BPF program under programs/.
 *
 * Build (the harness does this for you, against the TARGET kernel's BTF):
 *   bpftool btf dump file /sys/kernel/btf/vmlinux format c > $DIR/vmlinux.h
 *   clang-19 -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$DIR -I programs/include \
 *         -c X.bpf.c -o X.bpf.o
 * clang >= 16 is required: clang 14 drops BTF type tags and the __kptr field vanishes.
 *
 * ---------------------------------------------------------------------------------------
 * Test annotations (read by the verifier-matrix suite)
 * ---------------------------------------------------------------------------------------
 * Annotations are BTF decl tags attached to the program FUNCTION (BTF_KIND_DECL_TAG with
 * component_idx == -1 whose type is the BTF_KIND_FUNC of the program). Each tag's string is
 * "kptrlab.<key>=<value>"; split at the FIRST '='. Keys:
 *
 *   kptrlab.accept=<levels>   comma-separated capability levels on which the program MUST
 *                             load; on every other level it MUST be rejected. An empty list
 *                             ("kptrlab.accept=") means "rejected on every level".
 *                             Written with KL_ACCEPT("nonown,full") / KL_REJECT_ALWAYS.
 *   kptrlab.msg.<level>=<re>  a JavaScript regular expression (no slashes, no flags) that the
 *                             verifier log must match when the program is rejected on <level>.
 *                             <level> "*" is the default for levels without their own entry.
 *                             Written with KL_MSG("base", "regex"). Several allowed.
 *                             Remember C string escaping: KL_MSG("*", "R1 type=\\w+") puts
 *                             "R1 type=\w+" into BTF.
 *   kptrlab.desc=<text>       one line describing the case. KL_DESC("text").
 *   kptrlab.needs=<features>  comma-separated features the case needs; "walk" = the
 *                             bpf_rbtree_root/left/right kfuncs. On a kernel without them
 *                             (level nowalk) the case is skipped, not judged. KL_NEEDS("walk").
 *
 * Keep single quotes out of annotation strings (bpftool's text dump quotes tag strings with
 * them); match an apostrophe in a log line with "." instead.
 *
 * Capability levels, lowest first:
 *   nowalk  no bpf_rbtree_root/left/right kfuncs
 *   base    walk kfuncs present, none of the series (e.g. Linux 6.18)
 *   lock    patch 1: bpf_kptr_xchg allowed while a bpf_spin_lock is held
 *   nonown  patches 1+2: kptr_xchg_dest_types accepts PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF
 *   full    patches 1+2+4: ... and PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF|MEM_RCU
 *
 * The program name (the C function name) is the case id; it must be unique across all
 * files in programs/cases/.
 *
 * Example:
 *   SEC("tc")
 *   KL_ACCEPT("nonown,full")
 *   KL_MSG("*", "function calls are not allowed while holding a lock")
 *   KL_MSG("lock", KL_RE_DEST_NONOWN)
 *   KL_DESC("kptr_xchg on a non-owning node under the lock")
 *   KL_NEEDS("walk")
 *   int my_case(struct __sk_buff *skb) { ... }
 */
#ifndef KPTRLAB_H
#define KPTRLAB_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* ------------------------------------------------------------------ annotations */

#define KL_TAG(s)           __attribute__((btf_decl_tag(s)))
#define KL_ACCEPT(levels)   KL_TAG("kptrlab.accept=" levels)
#define KL_REJECT_ALWAYS    KL_TAG("kptrlab.accept=")
#define KL_MSG(level, re)   KL_TAG("kptrlab.msg." level "=" re)
#define KL_DESC(text)       KL_TAG("kptrlab.desc=" text)
#define KL_NEEDS(features)  KL_TAG("kptrlab.needs=" features)

/* Every level that has the walk kfuncs. */
#define KL_ALL_WALK_LEVELS  "base,lock,nonown,full"

/*
 * Verifier messages shared by cases (JS regex source; C escaping applied).
 *  KL_RE_LOCKED_CALL  do_check: a helper/kfunc other than the allowed few under bpf_spin_lock
 *                     (bpf_kptr_xchg before patch 1; bpf_obj_drop on every level).
 *  KL_RE_DEST_NONOWN  check_reg_type for kptr_xchg's R1 when a non-owning ref is not in
 *                     kptr_xchg_dest_types: "R1 type=ptr_ expected=map_value, ptr_" (level lock).
 *  KL_RE_DEST_RCU     the same for a refcounted node's NON_OWN_REF|MEM_RCU ref ("rcu_ptr_",
 *                     levels lock and nonown).
 *  KL_RE_DEST_SCALAR  R1 is a scalar: a non-owning ref invalidated by bpf_spin_unlock (as root
 *                     the verifier marks it unknown scalar rather than uninitialised).
 *  KL_RE_UNRELEASED   check_reference_leak at exit.
 *  KL_RE_NOT_LOCKED   check_reg_allocation_locked: rbtree kfunc without the tree's lock.
 */
#define KL_RE_LOCKED_CALL   "function calls are not allowed while holding a lock"
#define KL_RE_DEST_NONOWN   "R1 type=\\w*ptr_\\w* expected=map_value"
#define KL_RE_DEST_RCU      "R1 type=rcu_ptr_\\w* expected=map_value"
#define KL_RE_DEST_SCALAR   "R1 type=scalar expected=map_value"
#define KL_RE_UNRELEASED    "Unreleased reference id=\\d+"
#define KL_RE_NOT_LOCKED    "bpf_spin_lock at off=\\d+ must be held for bpf_rb_root"

/* ------------------------------------------------------------------ BTF tags */

/* A referenced kptr field (Linux >= 6.3 meaning of the "kptr" type tag). */
#undef __kptr
#define __kptr __attribute__((btf_type_tag("kptr")))

/* A global in its own data section: a bpf_spin_lock and the bpf_rb_root it protects must
 * share one section (one map value). Hidden, as upstream's bpf_experimental.h does: libbpf >= 1.5
 * makes a .data.* map mmapable when it holds a visible variable, and the kernel refuses to mmap a
 * map whose value holds a bpf_spin_lock or bpf_rb_root (-ENOTSUPP at load). */
#define private(name) SEC(".data." #name) __attribute__((visibility("hidden"))) __attribute__((aligned(8)))

/* The bpf_rb_root holds `type` nodes linked through their `field` (a struct bpf_rb_node). */
#ifndef __contains
#define __contains(type, field) __attribute__((btf_decl_tag("contains:" #type ":" #field)))
#endif

/*
 * KL_KEEP_TYPE(sec, type): makes `struct type` part of the object's BTF. clang's BPF backend
 * only emits a struct when a global, a function signature or a CO-RE relocation (e.g.
 * bpf_obj_new) uses it; a cast in container_of() is not enough. The kernel then refuses the
 * whole program BTF (a __contains target or a __kptr target that is only a FWD), libbpf
 * goes on without BTF and the verifier says "map ... has to have BTF in order to use
 * bpf_spin_lock". The anchor is a plain pointer in section `sec`: an ordinary 8-byte field
 * of that map value, never read.
 *
 * KL_TREE(sec, lock, root, type, field): a bpf_spin_lock `lock` and the bpf_rb_root `root`
 * of `struct type` nodes linked through `field`, in section `sec`, plus the anchor of
 * `struct type`. Anchor the node's __kptr payload type with KL_KEEP_TYPE too unless the file
 * allocates it with bpf_obj_new.
 */
#define KL_KEEP_TYPE(sec, type)							\
	private(sec) struct type *___kl_keep_##sec##_##type __attribute__((unused))
#define KL_TREE(sec, lock, root, type, field)					\
	private(sec) struct bpf_spin_lock lock;					\
	private(sec) struct bpf_rb_root root __contains(type, field);		\
	KL_KEEP_TYPE(sec, type)

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* ------------------------------------------------------------------ kfuncs */
/* bpftool 7.1's vmlinux.h carries no kfunc prototypes. */

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern void *bpf_refcount_acquire_impl(void *kptr, void *meta) __ksym;

extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta, __u64 off) __ksym;
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root,
					     struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;

/* Weak: absent on older ("nowalk") kernels; test with bpf_ksym_exists() if needed. */
extern struct bpf_rb_node *bpf_rbtree_root(struct bpf_rb_root *root) __ksym __weak;
extern struct bpf_rb_node *bpf_rbtree_left(struct bpf_rb_root *root,
					   struct bpf_rb_node *node) __ksym __weak;
extern struct bpf_rb_node *bpf_rbtree_right(struct bpf_rb_root *root,
					    struct bpf_rb_node *node) __ksym __weak;

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) (!!&(sym))
#endif

/* Allocate a program-BTF type; NULL on failure. */
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)
#define bpf_refcount_acquire(kptr) bpf_refcount_acquire_impl(kptr, NULL)
#define bpf_rbtree_add(root, node, less) bpf_rbtree_add_impl(root, node, less, NULL, 0)

/* for (i = start; i < end; i++) with the bpf_iter_num open-coded iterator, so the verifier
 * checks the body once per distinct state instead of once per iteration. The caller declares
 * `int i`. The range re-check tells the verifier the bounds of i. */
#ifndef bpf_for
#define bpf_for(i, start, end)							\
	for (struct bpf_iter_num ___kl_it					\
		__attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),	\
	     *___kl_once __attribute__((unused)) =				\
		(bpf_iter_num_new(&___kl_it, (start), (end)), (void *)0);	\
	     ({								\
		int *___kl_v = bpf_iter_num_next(&___kl_it);			\
		___kl_v && ((i) = *___kl_v, (i) >= (start) && (i) < (end));	\
	     });								\
	    )
#endif

/* ------------------------------------------------------------------ shared workload types */

#define KL_MAX_DEPTH  64	/* red-black tree height bound: 2*log2(n+1) < 64 for any n */

#define KL_TC_OK 0

/* The payload swapped in and out of a node's __kptr field. */
struct kl_payload {
	__u64 counter;
};

/* A tree node with a referenced kptr payload (no refcount: non-owning refs are NON_OWN_REF). */
struct kl_node {
	struct bpf_rb_node rb;
	__u64 key;
	struct kl_payload __kptr *payload;
};

/* The same with a bpf_refcount: non-owning refs to it are NON_OWN_REF|MEM_RCU. */
struct kl_rc_node {
	struct bpf_rb_node rb;
	struct bpf_refcount ref;
	__u64 key;
	struct kl_payload __kptr *payload;
};

#endif /* KPTRLAB_H */
