/**
 * Controllers of the active master and the small framework they share.
 *
 * <p>Each controller is level-triggered (design.md section 5): handlers on the {@link
 * dev.drover.master.controller.ObjectCache} only enqueue keys into a {@link
 * dev.drover.master.controller.WorkQueue}; {@code sync(key)} re-reads the object from the cache,
 * compares desired and actual state, acts through the {@link
 * dev.drover.master.controller.ObjectWriter} (every update a compare-and-swap on resource_version)
 * and writes status with {@code observed_generation}. Failed syncs are retried with per-key
 * exponential backoff and an overall token bucket; {@link
 * dev.drover.master.controller.Expectations} keep a controller from creating the same pods twice
 * before the cache has caught up; a periodic resync enqueues every key.
 *
 * <p>Wiring (for the master): implement {@code ObjectCache} over the watch cache (get, list by
 * label selector, per-kind change handlers, hasSynced) and {@code ObjectWriter} over the store
 * (create, update, updateStatus, delete with propagation/grace/uid precondition, a linearizable
 * {@code fetch}, recordEvent), mapping ABORTED to {@code WriteException.Reason.CONFLICT},
 * NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION and INVALID_ARGUMENT to the other reasons. The
 * store is expected to add the finalizers {@code foregroundDeletion} and {@code orphan} for those
 * propagation policies, as the garbage collector carries them out. Node heartbeat leases are read
 * from namespace {@code drover-node-lease}, named after the node. A canary is promoted by setting
 * the Deployment annotation {@code drover.dev/canary-promoted-step} to the waiting step's index (or
 * {@code all}). Then run {@code new ControllerManager(cache, Controllers.standard(new
 * ControllerContext(cache, writer, clock)))} while the master is active and close it when it stops
 * being active ({@code Controllers} lives in {@code master.wiring}).
 *
 * <p>Layering: this package is the base (queue, rate limiter, expectations, cache and writer
 * interfaces, {@link dev.drover.master.controller.Controller}, shared helpers such as template
 * hashing). Each subpackage holds one controller and depends on this base and on the API vocabulary
 * in proto, never on this package's callers or on a sibling subpackage; {@code ControllerArchTest}
 * keeps it so.
 */
package dev.drover.master.controller;
