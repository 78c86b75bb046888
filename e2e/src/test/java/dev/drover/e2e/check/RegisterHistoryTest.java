package dev.drover.e2e.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.store.lin.RegisterOp;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key's history of many operations is checked without overflowing the stack, both ways. */
class RegisterHistoryTest {

  @TempDir Path dir;

  @Test
  void longHistoriesAreCheckedAndAStaleReadIsFound() {
    RegisterHistory ok = new RegisterHistory("ok");
    RegisterHistory stale = new RegisterHistory("stale");
    long t = 0;
    for (int i = 0; i < 20_000; i++) {
      ok.add("k", RegisterOp.put(0, "v" + i, t, t + 1));
      stale.add("k", RegisterOp.put(0, "v" + i, t, t + 1));
      ok.add("k", RegisterOp.get(1, "v" + i, t + 2, t + 3));
      t += 4;
    }
    // Read after the last write completed, returning the one before it.
    stale.add("k", RegisterOp.get(1, "v19998", t, t + 1));

    RegisterHistory.Result good = ok.check(dir);
    assertThat(good.violations()).isEmpty();
    assertThat(good.gaveUp()).isZero();
    assertThat(good.operations()).isEqualTo(40_000);
    assertThat(stale.check(dir).violations()).singleElement().asString().contains("key k");
  }
}
