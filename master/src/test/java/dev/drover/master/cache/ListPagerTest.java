package dev.drover.master.cache;

import static dev.drover.master.cache.TestPods.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paging over the index: every page of one listing comes from its first page's snapshot. */
class ListPagerTest {
  private final ObjectIndex index = new ObjectIndex(100);
  private final ListPager pager = new ListPager(index);

  @Test
  void pagesStayAtTheFirstPagesRevisionWhileWritesGoOn() {
    index.apply(
        List.of(
            put("a", "p0", "web", 1),
            put("a", "p1", "web", 2),
            put("a", "p2", "web", 3),
            put("a", "p3", "web", 4),
            put("b", "p0", "web", 5)),
        0);

    WatchCache.Page first = pager.page(Kind.KIND_POD, "a", o -> true, 2, "", 0);
    index.apply(List.of(put("a", "p1a", "web", 6), TestPods.delete("a", "p3", 7)), 0);
    WatchCache.Page second = pager.page(Kind.KIND_POD, "a", o -> true, 2, first.continueToken(), 0);

    assertThat(first.items()).extracting(TestPods::name).containsExactly("p0", "p1");
    assertThat(first.resourceVersion()).isEqualTo(5);
    assertThat(first.remaining()).isEqualTo(2);
    // p1a (written later) is not there, p3 (deleted later) still is; no namespace b.
    assertThat(second.items()).extracting(TestPods::name).containsExactly("p2", "p3");
    assertThat(second.resourceVersion()).isEqualTo(5);
    assertThat(second.continueToken()).isEmpty();
    assertThat(second.remaining()).isZero();
  }

  @Test
  void theFilterDecidesWhatCountsTowardsALimit() {
    index.apply(
        List.of(put("a", "p0", "db", 1), put("a", "p1", "web", 2), put("a", "p2", "web", 3)), 0);

    WatchCache.Page page =
        pager.page(Kind.KIND_POD, "", o -> TestPods.app(o).equals("web"), 1, "", 0);

    assertThat(page.items()).extracting(TestPods::name).containsExactly("p1");
    assertThat(page.remaining()).isEqualTo(1);
    assertThat(ContinueToken.decode(page.continueToken()))
        .isEqualTo(new ContinueToken(3, ObjectIndex.sortKey("a", "p1")));
  }

  @Test
  void aTokenThisApiDidNotIssueIsRefused() {
    assertThatThrownBy(() -> pager.page(Kind.KIND_POD, "", o -> true, 1, "garbage!", 0))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(ContinueToken.NOT_ISSUED);
  }
}
