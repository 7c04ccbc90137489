"""Layer 4, evaluation: forecast errors and full-catalogue ranking metrics."""
from course_lib.evaluate.forecast import forecast_errors, mae, mase, rmse, seasonal_naive_scale
from course_lib.evaluate.ranking import (hit_rate_at_k, mrr_at_k, ndcg_at_k, ranking_metrics,
                                         ranks_in_batches, target_ranks)

__all__ = ["forecast_errors", "hit_rate_at_k", "mae", "mase", "mrr_at_k", "ndcg_at_k",
           "ranking_metrics", "ranks_in_batches", "rmse", "seasonal_naive_scale", "target_ranks"]
