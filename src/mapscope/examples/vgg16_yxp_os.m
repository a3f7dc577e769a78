// VGG-16 for mapscope, written from the layer shapes published in Simonyan and Zisserman,
// "Very Deep Convolutional Networks for Large-Scale Image Recognition" (ICLR 2015), configuration D:
// ImageNet, 224x224 RGB input, batch 1.
//
// Layers (16): 13 convolutions, all 3x3 with stride 1 and padding 1 (64, 64 | 128, 128 |
// 256, 256, 256 | 512, 512, 512 | 512, 512, 512 filters on 224, 112, 56, 28 and 14 pixel maps),
// and the three fully connected layers fc6 (7x7x512 = 25088 to 4096), fc7 (4096 to 4096) and
// fc8 (4096 to 1000).
//
// MAESTRO has no padding. Y and X are therefore the PADDED input sizes (224 + 2 = 226, 114, 58, 30,
// 16), so that the output size Y - R + 1 is the published one. The five 2x2 max pooling layers are
// not modelled (MAESTRO cannot express pooling), nor is ReLU. MAESTRO has no FC layer type: fc6 is a
// 7x7 CONV over the 7x7x512 pooled map (C: 512, R = S = Y = X = 7, K: 4096), fc7 and fc8 are 1x1
// CONVs on a 1x1 input.
//
// Total: 15,470,264,320 MACs (13 convolutions 15,346,630,656 + fc6/fc7/fc8 123,633,664).
//
// Dataflow yxp_os (ShiDianNao-like, output stationary, partitioned over output rows Y and output
// columns X). PEs are grouped into clusters of 8 (Cluster(8, P)); with P PEs there are P/8 clusters
// (32 for 256 PEs; PEs beyond a multiple of 8 stay idle). Loops, outermost first: one output
// channel and one input channel at a time (TemporalMap(1,1) K; TemporalMap(1,1) C); output rows are
// spread over the clusters, each cluster receiving the R input rows of one output row
// (SpatialMap(Sz(R),1) Y); each row is walked in tiles of q output columns (TemporalMap(T,O) X);
// inside a cluster PE j computes output column j of the tile from its own S-wide input window
// (SpatialMap(Sz(S),1) X) and accumulates the whole R x S window in place (TemporalMap(Sz(R),Sz(R)) R;
// TemporalMap(Sz(S),Sz(S)) S) while the weights are broadcast; neighbouring PEs share overlapping
// input columns. Since C is walked outside Y and X, a partial sum leaves its PE after each input
// channel: the output is stationary for one R x S window.
// Tile per layer: q = min(8, output width) output columns, T = (q - 1) * stride + S input columns,
// O = q * stride (when the tile covers the whole row, T = O = X). Strided 1x1 shortcuts use q = 7
// (T = 13, O = 14): 7 divides their output widths 28, 14 and 7, whereas MAESTRO shrinks a strided 1x1
// tile to the q columns it reads, so with q = 8 it would count a full last tile past the row end.
// Layers with a 1x1 output (the FC layers) have nothing to spread over Y and X: one PE does all work.

Network VGG16 {
	Layer conv1_1 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 64, C: 3, R: 3, S: 3, Y: 226, X: 226 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv1_2 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 64, C: 64, R: 3, S: 3, Y: 226, X: 226 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv2_1 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 128, C: 64, R: 3, S: 3, Y: 114, X: 114 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv2_2 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 128, C: 128, R: 3, S: 3, Y: 114, X: 114 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv3_1 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 256, C: 128, R: 3, S: 3, Y: 58, X: 58 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv3_2 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 256, C: 256, R: 3, S: 3, Y: 58, X: 58 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv3_3 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 256, C: 256, R: 3, S: 3, Y: 58, X: 58 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv4_1 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 512, C: 256, R: 3, S: 3, Y: 30, X: 30 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv4_2 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 512, C: 512, R: 3, S: 3, Y: 30, X: 30 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv4_3 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 512, C: 512, R: 3, S: 3, Y: 30, X: 30 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv5_1 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 512, C: 512, R: 3, S: 3, Y: 16, X: 16 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv5_2 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 512, C: 512, R: 3, S: 3, Y: 16, X: 16 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer conv5_3 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 512, C: 512, R: 3, S: 3, Y: 16, X: 16 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(10,8) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer fc6 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 4096, C: 512, R: 7, S: 7, Y: 7, X: 7 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(7,7) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer fc7 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 4096, C: 4096, R: 1, S: 1, Y: 1, X: 1 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(1,1) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}

	Layer fc8 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 1000, C: 4096, R: 1, S: 1, Y: 1, X: 1 }
		Dataflow {
			TemporalMap(1,1) K;
			TemporalMap(1,1) C;
			SpatialMap(Sz(R),1) Y;
			TemporalMap(1,1) X;
			Cluster(8, P);
			SpatialMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}
}
