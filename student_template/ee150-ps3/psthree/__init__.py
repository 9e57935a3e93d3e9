"""EE 150 Problem Set 3: convolutions, CNNs on MNIST, RNN/LSTM/Transformer on IMDB reviews.

Modules: ``conv`` (from-scratch convolution), ``cnn`` (``CNN``, ``ManualCNN``),
``train_test`` (training and testing loops), ``data`` (MNIST and IMDB datasets, the
bag-of-words tokenizer), ``rnn``, ``lstm``, ``attention``, ``transformer``.
"""
