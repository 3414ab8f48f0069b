namespace mlx::core {}
