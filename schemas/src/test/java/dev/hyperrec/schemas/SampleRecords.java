package dev.hyperrec.schemas;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.EventContext;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.SocialSetting;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in instance of every generated record, for round trips. */
public final class SampleRecords {

  public static final Instant T0 = Instant.parse("2025-01-02T03:04:05.678Z");

  private SampleRecords() {
  }

  public static InteractionEvent interaction() {
    return InteractionEvent.newBuilder()
        .setEventId("ev-1").setUserId("user-7").setItemId("item-42")
        .setType(InteractionType.RATING).setValue(4.5f).setTimestamp(T0)
        .setContext(EventContext.newBuilder().setDevice("tv").setSessionId("s-1").setSocial(SocialSetting.GROUP).build())
        .setRecommendationId("rec-9")
        .build();
  }

  public static InteractionEvent minimalInteraction() {
    return InteractionEvent.newBuilder()
        .setEventId("ev-2").setUserId("user-8").setItemId("item-1")
        .setType(InteractionType.VIEW).setValue(1f).setTimestamp(T0)
        .build();
  }

  public static CatalogItem catalogItem() {
    return CatalogItem.newBuilder()
        .setItemId("item-42").setEmbedding(List.of(0.25f, -1.5f, 3f, 0f)).setDimension(4)
        .setCategories(List.of("drama", "comedy")).setPublishedAt(T0.minusSeconds(86_400)).setActive(true)
        .build();
  }

  public static RecommendationRequest request() {
    return RecommendationRequest.newBuilder()
        .setRequestId("req-1").setUserId("user-7").setQueryEmbedding(List.of(1f, 0f, 0f, 0f))
        .setContext(EventContext.newBuilder().setDevice("mobile").build())
        .setK(10).setRequestedAt(T0)
        .build();
  }

  public static Recommendations recommendations() {
    return Recommendations.newBuilder()
        .setUserId("user-7").setRecommendationId("rec-9").setRequestId("req-1")
        .setItems(List.of(
            RecommendedItem.newBuilder().setItemId("item-1").setScore(0.9f).setRank(1).setReason(Reason.PERSONAL).build(),
            RecommendedItem.newBuilder().setItemId("item-2").setScore(0.5f).setRank(2).setReason(Reason.EXPLORE).build()))
        .setGeneratedAt(T0.plusMillis(12)).setSourceEventTime(T0).setModelVersion("test-1")
        .build();
  }

  public static List<SpecificRecord> all() {
    return List.of(interaction(), minimalInteraction(), catalogItem(), request(), recommendations(),
        RecommendedItem.newBuilder().setItemId("x").setScore(1f).setRank(1).setReason(Reason.SIMILAR).build(),
        EventContext.newBuilder().build());
  }
}
