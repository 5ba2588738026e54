// SPDX-License-Identifier: GPL-2.0
/*
 * rbtree_bench — the benchmark workload of kptrlab.
 *
 * One global red-black tree of struct kl_node (key + __kptr payload), keyed 0..nr_nodes-1.
 * Every bench_* program does `lookups` lookups of keys[i & (KL_KEYS_MAX-1)] and, except
 * bench_empty and bench_walk, adds exactly 1 to the found node's payload counter, so after a
 * run   sum(counters) == sum(hits of the counting variants)   and check_nodes == nr_nodes.
 *
 * Harness contract (.bss globals, by name):
 *   in:  nr_nodes, lookups, nkeys (informational; the harness sets KL_KEYS_MAX), keys[]
 *   out: populated, hits, misses, check_nodes, check_sum, last_err
 *   (bench_sink is scratch, not part of the contract)
 * Programs:
 *   populate        SEC("syscall")  insert keys 0..nr_nodes-1, each with a zeroed payload
 *   check           SEC("syscall")  find every key, read its counter without changing it
 *   bench_empty     SEC("tc")       the loop and the keys[] read only (calibration)
 *   bench_walk      SEC("tc")       lock; walk; unlock               (any walk kernel)
 *   bench_stock     SEC("tc")       lock; walk; remove; unlock; xchg out/in; lock; add; unlock
 *   bench_baseline  SEC("tc")       lock; walk; remove; xchg out/in; add; unlock  (patch 1)
 *   bench_fast      SEC("tc")       lock; walk; xchg out/in on the non-owning node; unlock
 *                                   (patches 1+2)
 * bench_baseline and bench_fast do not load on base kernels: the harness turns their
 * autoload off there; the rest of the object loads on its own.
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

/* ---- harness inputs */
__u32 nr_nodes;
__u32 lookups;
__u32 nkeys;
__u32 keys[KL_KEYS_MAX];

/* ---- harness outputs */
__u64 populated;
__u64 hits;
__u64 misses;
__u64 check_nodes;
__u64 check_sum;
__s64 last_err;

/* Scratch: values the benchmark loops compute only so the compiler keeps their loads. A store
 * (unlike a comparison) does not make the value precise, so the loop states still converge. */
__u64 bench_sink;

#define KL_ENOMEM 12

KL_TREE(bench, glock, groot, kl_node, rb);

static bool node_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct kl_node *na = container_of(a, struct kl_node, rb);
	struct kl_node *nb = container_of(b, struct kl_node, rb);

	return na->key < nb->key;
}

/*
 * Binary search from the root. Must be called with glock held; returns a non-owning
 * reference to the node holding `key`, or NULL.
 */
static __always_inline struct kl_node *walk_to(__u64 key)
{
	struct bpf_rb_node *rb = bpf_rbtree_root(&groot);
	struct kl_node *n;
	int d;

	for (d = 0; d < KL_MAX_DEPTH; d++) {
		if (!rb)
			return NULL;
		n = container_of(rb, struct kl_node, rb);
		if (n->key == key)
			return n;
		if (key < n->key)
			rb = bpf_rbtree_left(&groot, rb);
		else
			rb = bpf_rbtree_right(&groot, rb);
	}
	return NULL;
}

static __always_inline __u64 key_at(int i)
{
	return keys[i & (KL_KEYS_MAX - 1)];
}

/* ------------------------------------------------------------------ setup and check */

SEC("syscall")
int populate(void *ctx)
{
	struct kl_payload *p, *old;
	struct kl_node *n;
	__u32 count = nr_nodes;
	int i;

	bpf_for(i, 0, count) {
		n = bpf_obj_new(struct kl_node);
		if (!n) {
			last_err = -KL_ENOMEM;
			break;
		}
		n->key = i;
		p = bpf_obj_new(struct kl_payload);
		if (!p) {
			bpf_obj_drop(n);
			last_err = -KL_ENOMEM;
			break;
		}
		p->counter = 0;
		/* The node is owning and the lock is not held: valid on every kernel. */
		old = bpf_kptr_xchg(&n->payload, p);
		if (old)
			bpf_obj_drop(old);
		bpf_spin_lock(&glock);
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
		populated++;
	}
	return 0;
}

SEC("syscall")
int check(void *ctx)
{
	struct kl_payload *p, *old;
	struct bpf_rb_node *rb;
	struct kl_node *n;
	__u32 count = nr_nodes;
	__u64 nodes = 0, sum = 0;
	int i;

	bpf_for(i, 0, count) {
		bpf_spin_lock(&glock);
		n = walk_to(i);
		if (!n) {
			bpf_spin_unlock(&glock);
			continue;
		}
		rb = bpf_rbtree_remove(&groot, &n->rb);
		bpf_spin_unlock(&glock);
		if (!rb)
			continue;
		n = container_of(rb, struct kl_node, rb);
		nodes++;
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			sum += p->counter;
			old = bpf_kptr_xchg(&n->payload, p);
			if (old)
				bpf_obj_drop(old);
		}
		bpf_spin_lock(&glock);
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
	}
	check_nodes = nodes;
	check_sum = sum;
	return 0;
}

/* ------------------------------------------------------------------ benchmarks */

SEC("tc")
int bench_empty(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u64 acc = 0;
	int i;

	bpf_for(i, 0, count)
		acc += key_at(i);
	bench_sink = acc;
	return KL_TC_OK;
}

SEC("tc")
int bench_walk(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u64 h = 0, m = 0, acc = 0;
	struct kl_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(i);

		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (n) {
			acc += n->key;	/* consume the node so the walk is not optimised out */
			h++;
		} else {
			m++;
		}
		bpf_spin_unlock(&glock);
	}
	bench_sink = acc;
	hits += h;
	misses += m;
	return KL_TC_OK;
}

SEC("tc")
int bench_stock(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u64 h = 0, m = 0;
	struct kl_payload *p, *old;
	struct bpf_rb_node *rb;
	struct kl_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(i);

		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (!n) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		rb = bpf_rbtree_remove(&groot, &n->rb);
		bpf_spin_unlock(&glock);
		if (!rb) {
			m++;
			continue;
		}
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counter++;
			old = bpf_kptr_xchg(&n->payload, p);
			if (old)
				bpf_obj_drop(old);
			h++;
		} else {
			m++;
		}
		bpf_spin_lock(&glock);
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
	}
	hits += h;
	misses += m;
	return KL_TC_OK;
}

SEC("tc")
int bench_baseline(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u64 h = 0, m = 0;
	struct kl_payload *p, *old;
	struct bpf_rb_node *rb;
	struct kl_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(i);

		old = NULL;
		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (!n) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		rb = bpf_rbtree_remove(&groot, &n->rb);
		if (!rb) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		n = container_of(rb, struct kl_node, rb);
		/* Owning node, lock held: needs patch 1. */
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counter++;
			old = bpf_kptr_xchg(&n->payload, p);
			h++;
		} else {
			m++;
		}
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
		/* bpf_obj_drop is not callable under the lock. */
		if (old)
			bpf_obj_drop(old);
	}
	hits += h;
	misses += m;
	return KL_TC_OK;
}

SEC("tc")
int bench_fast(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u64 h = 0, m = 0;
	struct kl_payload *p, *old;
	struct kl_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(i);

		old = NULL;
		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (!n) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		/* Non-owning node, in place, lock held: needs patches 1+2. */
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counter++;
			old = bpf_kptr_xchg(&n->payload, p);
			h++;
		} else {
			m++;
		}
		bpf_spin_unlock(&glock);
		if (old)
			bpf_obj_drop(old);
	}
	hits += h;
	misses += m;
	return KL_TC_OK;
}
