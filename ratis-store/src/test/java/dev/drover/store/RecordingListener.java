package dev.drover.store;

import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.WatchListener;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A watch listener that records everything it receives, for assertions. */
public final class RecordingListener implements WatchListener {
  public final List<WatchResponse> responses = new CopyOnWriteArrayList<>();
  public volatile KvStoreException error;

  @Override
  public void onNext(WatchResponse response) {
    responses.add(response);
  }

  @Override
  public void onError(KvStoreException e) {
    error = e;
  }

  /** Every event received, in order. */
  public List<Event> events() {
    List<Event> out = new ArrayList<>();
    for (WatchResponse r : responses) {
      out.addAll(r.getEventsList());
    }
    return out;
  }

  /** Mod revisions of the events received, in order. */
  public List<Long> revisions() {
    List<Long> out = new ArrayList<>();
    for (Event e : events()) {
      out.add(e.getKv().getModRevision());
    }
    return out;
  }
}
