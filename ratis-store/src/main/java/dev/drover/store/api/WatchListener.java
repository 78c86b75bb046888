package dev.drover.store.api;

import dev.drover.store.v1.WatchResponse;

/**
 * Receives a watch's responses, one per unit of demand granted through {@link Watch#request}. Calls
 * for one watch never overlap and come in revision order.
 */
public interface WatchListener {

  /**
   * Events of one or more whole revisions, or a progress notification (no events, {@code
   * progress_notify} set) saying every revision up to {@code header.revision} has been delivered.
   */
  void onNext(WatchResponse response);

  /**
   * The watch ended and delivers nothing more: {@link KvStoreException.Kind#COMPACTED} (re-list and
   * watch again from a newer revision) or {@link KvStoreException.Kind#UNAVAILABLE} (the store
   * closed; resume from the last delivered revision + 1).
   */
  void onError(KvStoreException error);
}
