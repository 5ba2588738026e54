// SPDX-License-Identifier: GPL-2.0
/*
 * Unsafe uses of non-owning references that the series must keep rejecting on every level:
 * after the lock is released, without the lock, under another tree's lock, and passing one
 * to bpf_obj_drop.
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

KL_TREE(nl, nl_lock, nl_root, kl_node, rb);
KL_KEEP_TYPE(nl, kl_payload);

/* A second, unrelated tree with its own lock. */
KL_TREE(nl2, nl2_lock, nl2_root, kl_node, rb);

static bool nl_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct kl_node, rb)->key < container_of(b, struct kl_node, rb)->key;
}

/*
 * bpf_spin_unlock invalidates every non-owning ref (invalidate_non_owning_refs ->
 * mark_reg_invalid: an unknown scalar for a privileged loader), including &n->payload
 * derived from it. The kptr_xchg then sees a scalar R1 on every level; the lock check no
 * longer applies, and no patch lists scalars as destinations.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_DEST_SCALAR)
KL_DESC("kptr_xchg through a non-owning ref after bpf_spin_unlock (use after unlock)")
KL_NEEDS("walk")
int nonown_after_unlock(struct __sk_buff *skb)
{
	struct kl_payload *p;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&nl_lock);
	rb = bpf_rbtree_root(&nl_root);
	if (!rb) {
		bpf_spin_unlock(&nl_lock);
		return KL_TC_OK;
	}
	n = container_of(rb, struct kl_node, rb);
	bpf_spin_unlock(&nl_lock);
	p = bpf_kptr_xchg(&n->payload, NULL);	/* n is dead here */
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

/*
 * Remove, re-add (the ref becomes non-owning), unlock, then exchange: the same invalidation
 * as nonown_after_unlock — the node may already be freed by another CPU.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_DEST_SCALAR)
KL_DESC("kptr_xchg on a node after bpf_rbtree_remove + bpf_rbtree_add and bpf_spin_unlock")
int readd_then_xchg_after_unlock(struct __sk_buff *skb)
{
	struct kl_payload *p;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&nl_lock);
	rb = bpf_rbtree_first(&nl_root);
	if (!rb) {
		bpf_spin_unlock(&nl_lock);
		return KL_TC_OK;
	}
	rb = bpf_rbtree_remove(&nl_root, rb);
	if (!rb) {
		bpf_spin_unlock(&nl_lock);
		return KL_TC_OK;
	}
	n = container_of(rb, struct kl_node, rb);
	bpf_rbtree_add(&nl_root, &n->rb, nl_less);
	bpf_spin_unlock(&nl_lock);
	p = bpf_kptr_xchg(&n->payload, NULL);	/* n is dead here */
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

/*
 * No lock at all: the rbtree kfunc that would hand out the non-owning ref is refused by
 * check_reg_allocation_locked before any kptr_xchg is reached — on every level.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_NOT_LOCKED)
KL_DESC("non-owning ref taken without the lock (bpf_rbtree_root unlocked), then kptr_xchg")
KL_NEEDS("walk")
int nonown_without_lock(struct __sk_buff *skb)
{
	struct kl_payload *p;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	rb = bpf_rbtree_root(&nl_root);
	if (!rb)
		return KL_TC_OK;
	n = container_of(rb, struct kl_node, rb);
	p = bpf_kptr_xchg(&n->payload, NULL);
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

/* The same with bpf_rbtree_first, so it is judged on nowalk kernels too. */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_NOT_LOCKED)
KL_DESC("non-owning ref taken without the lock (bpf_rbtree_first unlocked), then kptr_xchg")
int first_without_lock(struct __sk_buff *skb)
{
	struct kl_payload *p;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	rb = bpf_rbtree_first(&nl_root);
	if (!rb)
		return KL_TC_OK;
	n = container_of(rb, struct kl_node, rb);
	p = bpf_kptr_xchg(&n->payload, NULL);
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

/*
 * Holding the lock of tree 2 does not protect tree 1: check_reg_allocation_locked finds a
 * held lock that is not in the root's allocation and refuses the kfunc on every level.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", "held lock and object are not in the same allocation")
KL_DESC("fast path on tree 1 while holding only the lock of tree 2")
int other_tree_lock(struct __sk_buff *skb)
{
	struct kl_payload *p, *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&nl2_lock);
	rb = bpf_rbtree_first(&nl_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p)
			old = bpf_kptr_xchg(&n->payload, p);
	}
	bpf_spin_unlock(&nl2_lock);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}

/*
 * Freeing a node the tree still owns. Under the lock bpf_obj_drop is refused by the lock
 * check (the series only admits bpf_kptr_xchg); even without it, obj_drop needs an owning
 * (ref_obj_id) argument. Rejected on every level at the lock check.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_LOCKED_CALL)
KL_DESC("bpf_obj_drop on a non-owning ref under the lock")
int drop_nonown(struct __sk_buff *skb)
{
	struct bpf_rb_node *rb;

	bpf_spin_lock(&nl_lock);
	rb = bpf_rbtree_first(&nl_root);
	if (rb)
		bpf_obj_drop(container_of(rb, struct kl_node, rb));
	bpf_spin_unlock(&nl_lock);
	return KL_TC_OK;
}
