// SPDX-License-Identifier: GPL-2.0
/*
 * Cases the series is meant to open: bpf_kptr_xchg on a NON-OWNING rbtree node in place,
 * while the tree's bpf_spin_lock is held.
 *
 * Why the verdicts hold, per level (shared by the cases below unless a case says otherwise):
 *   nowalk/base  do_check refuses every helper call but bpf_spin_unlock while a lock is
 *                held -> KL_RE_LOCKED_CALL at the first bpf_kptr_xchg.
 *   lock         patch 1 lets kptr_xchg through the lock check, but R1 is
 *                PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF, which kptr_xchg_dest_types does not list
 *                -> check_reg_type: "R1 type=ptr_ expected=map_value, ptr_".
 *   nonown       patch 2 lists PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF -> accepted (plain nodes).
 *   full         patch 4 also lists ...|NON_OWN_REF|MEM_RCU -> refcounted nodes accepted too.
 * The old value returned by the put-back xchg is an owned reference; bpf_obj_drop is not
 * callable under the lock on any level, so it is dropped after bpf_spin_unlock.
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

KL_TREE(fp, fp_lock, fp_root, kl_node, rb);
KL_KEEP_TYPE(fp, kl_payload);

KL_TREE(fprc, fprc_lock, fprc_root, kl_rc_node, rb);

static bool fp_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct kl_node, rb)->key < container_of(b, struct kl_node, rb)->key;
}

/* The fast path proper: node from bpf_rbtree_root (one step of the walk). */
SEC("tc")
KL_ACCEPT("nonown,full")
KL_MSG("base", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_NONOWN)
KL_DESC("fast path: kptr_xchg out and back on a non-owning plain node (bpf_rbtree_root) under the lock")
KL_NEEDS("walk")
int fast_plain(struct __sk_buff *skb)
{
	struct kl_payload *p, *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&fp_lock);
	rb = bpf_rbtree_root(&fp_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counter++;
			old = bpf_kptr_xchg(&n->payload, p);
		}
	}
	bpf_spin_unlock(&fp_lock);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}

/* bpf_rbtree_first also returns a non-owning ref: same verdicts, no walk kfuncs needed
 * (on nowalk kernels it is rejected with the lock message like on base). */
SEC("tc")
KL_ACCEPT("nonown,full")
KL_MSG("*", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_NONOWN)
KL_DESC("fast path on the non-owning node returned by bpf_rbtree_first under the lock")
int fast_first(struct __sk_buff *skb)
{
	struct kl_payload *p, *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&fp_lock);
	rb = bpf_rbtree_first(&fp_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counter++;
			old = bpf_kptr_xchg(&n->payload, p);
		}
	}
	bpf_spin_unlock(&fp_lock);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}

/*
 * Refcounted node: ref_set_non_owning adds MEM_RCU when the node has a bpf_refcount, so R1 is
 * PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF|MEM_RCU (printed "rcu_ptr_"). Patch 2 alone does not
 * list it (the review finding of the seed) -> nonown rejects with the R1 type message; only
 * patch 4 (full) accepts.
 */
SEC("tc")
KL_ACCEPT("full")
KL_MSG("base", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_RCU)
KL_MSG("nonown", KL_RE_DEST_RCU)
KL_DESC("fast path on a non-owning refcounted node (NON_OWN_REF|MEM_RCU) under the lock")
KL_NEEDS("walk")
int fast_refcounted(struct __sk_buff *skb)
{
	struct kl_payload *p, *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_rc_node *n;

	bpf_spin_lock(&fprc_lock);
	rb = bpf_rbtree_root(&fprc_root);
	if (rb) {
		n = container_of(rb, struct kl_rc_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counter++;
			old = bpf_kptr_xchg(&n->payload, p);
		}
	}
	bpf_spin_unlock(&fprc_lock);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}

/*
 * A node removed and added back under the same lock: bpf_rbtree_add turns the owning ref
 * into a non-owning one (ref_convert_owning_non_owning), which stays valid until unlock. So
 * kptr_xchg on it is the fast path again: same verdicts as fast_first.
 */
SEC("tc")
KL_ACCEPT("nonown,full")
KL_MSG("*", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_NONOWN)
KL_DESC("kptr_xchg on a node re-added with bpf_rbtree_add, still under the lock (non-owning)")
int readd_then_xchg_locked(struct __sk_buff *skb)
{
	struct kl_payload *p, *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&fp_lock);
	rb = bpf_rbtree_first(&fp_root);
	if (!rb)
		goto out;
	rb = bpf_rbtree_remove(&fp_root, rb);
	if (!rb)
		goto out;
	n = container_of(rb, struct kl_node, rb);
	bpf_rbtree_add(&fp_root, &n->rb, fp_less);
	/* n is now a non-owning reference */
	p = bpf_kptr_xchg(&n->payload, NULL);
	if (p) {
		p->counter++;
		old = bpf_kptr_xchg(&n->payload, p);
	}
out:
	bpf_spin_unlock(&fp_lock);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}
